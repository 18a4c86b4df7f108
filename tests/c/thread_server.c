/* A thread per client (pthread_create): each handler thread gets a lifeline of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <sys/socket.h>

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        write(fd, buf, n);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 5050;
    int sockfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(sockfd, (struct sockaddr *)&addr, sizeof addr);
    listen(sockfd, 5);
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        int c = accept(sockfd, NULL, NULL);
        pthread_create(&th[i], NULL, serve, (void *)(long)c);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    close(sockfd);
    return 0;
}
