/* N small write()/read() round trips over a socketpair-free TCP loopback pair: the per-call cost.
 * With a second argument B: B one-byte write()s in a row, then B one-byte read()s, N/B times
 * (runs of identical calls: what a free-running trace summarises into bursts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    long batch = argc > 2 ? atol(argv[2]) : 1;
    if (batch < 1)
        batch = 1;
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
    char b = 'x';
    for (long i = 0; i < n; i += batch) {
        for (long j = 0; j < batch; j++)
            write(c, &b, 1);
        for (long j = 0; j < batch; j++)
            read(s, &b, 1);
    }
    close(c);
    close(s);
    close(lfd);
    return 0;
}
