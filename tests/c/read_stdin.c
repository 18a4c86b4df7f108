/* A client that sends what the user types: one line from stdin, then the echo back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5050;
    char line[256];
    if (!fgets(line, sizeof line, stdin))
        return 2;
    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(sockfd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); return 1; }
    write(sockfd, line, strlen(line));
    char buf[256];
    ssize_t n = read(sockfd, buf, sizeof buf - 1);
    if (n > 0) { buf[n] = 0; printf("echo: %s", buf); }
    close(sockfd);
    return 0;
}
