/* The course notes' TCP client (03. Sockets API, "the big picture, TCP case"):
 * socket, connect, write, close. Usage: ./notes_client PORT [HOST] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char *argv[])
{
    int port = argc > 1 ? atoi(argv[1]) : 5050;
    const char *host = argc > 2 ? argv[2] : "127.0.0.1";
    struct sockaddr_in servaddr;
    const char *msg = "hello from the notes";

    int sockfd = socket(AF_INET, SOCK_STREAM, 0);             /* 3 - socket() */

    memset(&servaddr, 0, sizeof(servaddr));
    servaddr.sin_family = AF_INET;
    servaddr.sin_port = htons(port);
    inet_pton(AF_INET, host, &servaddr.sin_addr);
    if (connect(sockfd, (struct sockaddr *)&servaddr, sizeof(servaddr)) < 0) {  /* 4 - connect() */
        perror("connect");
        return 1;
    }
    write(sockfd, msg, strlen(msg));                          /* 5 - write() */
    close(sockfd);
    return 0;
}
