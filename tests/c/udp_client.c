/* A UDP client in C: sendto()/recvfrom() twice, then connect() and send()/recv() once.
   Traced by tests/test_ctrace.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5051;
    int sockfd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    const char *words[] = {"one", "two"};
    char buf[64];
    for (int i = 0; i < 2; i++) {
        sendto(sockfd, words[i], strlen(words[i]), 0, (struct sockaddr *)&to, sizeof to);
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(sockfd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
        printf("got %.*s\n", (int)n, buf);
    }
    connect(sockfd, (struct sockaddr *)&to, sizeof to);
    send(sockfd, "three, and more", 15, 0);
    ssize_t n = recv(sockfd, buf, sizeof buf, 0);
    printf("got %.*s\n", (int)n, buf);
    close(sockfd);
    return 0;
}
