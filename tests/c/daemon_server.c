/* A daemon: fork(), the parent exits, the child calls setsid() and serves one client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5050;
    if (fork() > 0) return 0;   /* the parent exits: the child goes on, as daemon(3) does */
    setsid();
    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(sockfd, (struct sockaddr *)&addr, sizeof addr);
    listen(sockfd, 5);
    int c = accept(sockfd, NULL, NULL);
    char buf[64];
    ssize_t n = read(c, buf, sizeof buf);
    if (n > 0) write(c, buf, n);
    close(c);
    close(sockfd);
    return 0;
}
