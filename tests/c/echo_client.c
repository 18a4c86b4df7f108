/* A Beej-style TCP client: connect, write "hello", read the echo. Traced by tests/test_ctrace.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    const char *host = argc > 1 ? argv[1] : "127.0.0.1";
    int port = argc > 2 ? atoi(argv[2]) : 5050;
    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, host, &addr.sin_addr);
    if (connect(sockfd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }
    write(sockfd, "hello", 5);
    char buf[64];
    ssize_t n = read(sockfd, buf, sizeof buf);
    printf("got %zd bytes\n", n);
    close(sockfd);
    return 0;
}
