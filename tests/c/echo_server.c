/* A Beej-style TCP echo server: one client, one read, the bytes back. Traced by tests/test_ctrace.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5050;
    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    setsockopt(sockfd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(sockfd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
    listen(sockfd, 5);
    printf("listening on %d\n", port);
    fflush(stdout);
    struct sockaddr_in cli;
    socklen_t len = sizeof cli;
    int connfd = accept(sockfd, (struct sockaddr *)&cli, &len);
    char buf[1024];
    ssize_t n = read(connfd, buf, sizeof buf);
    if (n > 0) write(connfd, buf, n);
    close(connfd);
    close(sockfd);
    return 0;
}
