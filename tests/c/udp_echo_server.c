/* A UDP echo server in C: three datagrams (or argv[2]), each sent back in capitals; the third
   read into a buffer too small for it (the rest of a datagram is gone). Traced by the tests. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5051;
    int count = argc > 2 ? atoi(argv[2]) : 3;
    int sockfd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(sockfd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); return 1; }
    for (int i = 0; i < count; i++) {
        char buf[64];
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        size_t room = i == 2 ? 5 : sizeof buf;
        ssize_t n = recvfrom(sockfd, buf, room, 0, (struct sockaddr *)&from, &len);
        if (n < 0) { perror("recvfrom"); return 1; }
        for (ssize_t k = 0; k < n; k++) buf[k] = toupper((unsigned char)buf[k]);
        sendto(sockfd, buf, n, 0, (struct sockaddr *)&from, len);
    }
    close(sockfd);
    return 0;
}
