/* The classic concurrent server: fork() per client; the child serves, the parent closes connfd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5050;
    int clients = argc > 2 ? atoi(argv[2]) : 2;
    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    setsockopt(sockfd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(sockfd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
    listen(sockfd, 5);
    for (int i = 0; i < clients; i++) {
        int connfd = accept(sockfd, NULL, NULL);
        if (fork() == 0) {
            close(sockfd);
            char buf[256];
            ssize_t n;
            while ((n = read(connfd, buf, sizeof buf)) > 0)
                write(connfd, buf, n);
            close(connfd);
            _exit(0);
        }
        close(connfd);
    }
    while (wait(NULL) > 0)
        ;
    close(sockfd);
    return 0;
}
