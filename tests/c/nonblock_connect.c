/* A client made non-blocking two ways, as C programs do (curl uses fcntl): socket() with
   SOCK_NONBLOCK, and fcntl(F_SETFL, O_NONBLOCK). Each connect() to a listener in the same
   program returns EINPROGRESS; poll() waits for it to finish. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static void connect_and_wait(int c, struct sockaddr_in *a) {
    connect(c, (struct sockaddr *)a, sizeof *a);
    struct pollfd p = {c, POLLOUT, 0};
    poll(&p, 1, 2000);
    close(c);
}
int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a; memset(&a, 0, sizeof a);
    a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(l, (struct sockaddr *)&a, sizeof a);
    socklen_t n = sizeof a; getsockname(l, (struct sockaddr *)&a, &n);
    listen(l, 4);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    connect_and_wait(c, &a);
    connect_and_wait(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), &a);
    close(l);
    return 0;
}
