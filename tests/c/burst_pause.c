/* A streak of one-byte reads, then a pause: N one-byte write()s from the parent, read one byte
 * at a time by a forked child; then the parent waits 300 ms before the last byte, so the child's
 * read() sleeps in the kernel far longer than a burst window. Traced by tests/test_cbursts.py. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(lfd, (struct sockaddr *)&a, sizeof a);
    listen(lfd, 1);
    socklen_t len = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &len);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    int s = accept(lfd, NULL, NULL);
    if (fork() == 0) {
        close(lfd);
        close(s);
        char b;
        while (read(c, &b, 1) > 0)
            ;
        close(c);
        return 0;
    }
    close(c);
    close(lfd);
    for (long i = 0; i < n; i++)
        write(s, "x", 1);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    write(s, "y", 1);
    close(s);
    wait(NULL);
    return 0;
}
