/* 1e6 getppid() calls: a system call the tracer's seccomp filter lets through untraced. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    long sum = 0;
    for (long i = 0; i < n; i++)
        sum += getppid();
    printf("%ld\n", sum > 0);
    return 0;
}
