/* A UDP socket that sends to itself and reads with recv(), which does not say where a datagram
   came from. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a; memset(&a, 0, sizeof a);
    a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, (struct sockaddr *)&a, sizeof a);
    socklen_t n = sizeof a; getsockname(s, (struct sockaddr *)&a, &n);
    char buf[100];
    for (int i = 0; i < 3; i++) {
        sendto(s, "tick", 4, 0, (struct sockaddr *)&a, sizeof a);
        recv(s, buf, sizeof buf, 0);
    }
    close(s);
    return 0;
}
