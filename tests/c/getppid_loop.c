/* N getppid() calls (default 1e6), a system call the tracer's seccomp filter lets through
 * untraced; prints the loop's own time in seconds, so start-up is not counted. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    long sum = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++)
        sum += getppid();
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.6f %d\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, sum > 0);
    return 0;
}
