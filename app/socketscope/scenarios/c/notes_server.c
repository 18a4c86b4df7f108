/* The course notes' TCP server (03. Sockets API, "the big picture, TCP case"):
 * socket, bind, listen, accept, read, close. Usage: ./notes_server PORT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char *argv[])
{
    int port = argc > 1 ? atoi(argv[1]) : 5050;
    struct sockaddr_in myaddr, cliaddr;
    socklen_t addrlen = sizeof(cliaddr);
    char buf[1024];

    int sockfd = socket(AF_INET, SOCK_STREAM, 0);             /* 1 - socket() */

    memset(&myaddr, 0, sizeof(myaddr));
    myaddr.sin_family = AF_INET;
    myaddr.sin_addr.s_addr = htonl(INADDR_ANY);
    myaddr.sin_port = htons(port);
    if (bind(sockfd, (struct sockaddr *)&myaddr, sizeof(myaddr)) < 0) {  /* 2 - bind() */
        perror("bind");
        return 1;
    }
    listen(sockfd, 5);                                        /* 3 - listen() */
    printf("server: waiting on port %d\n", port);
    fflush(stdout);

    int connfd = accept(sockfd, (struct sockaddr *)&cliaddr, &addrlen);  /* 4 - accept() */
    ssize_t n = read(connfd, buf, sizeof(buf) - 1);           /* 5 - read() */
    if (n > 0) {
        buf[n] = '\0';
        printf("server: read %zd bytes: %s\n", n, buf);
    }
    close(connfd);                                            /* 6 - close() */
    close(sockfd);
    return 0;
}
