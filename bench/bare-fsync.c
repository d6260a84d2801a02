/*
 * bare-fsync - the baseline of bench/mem: the least a crash-safe put can
 * do, in a bare C loop: write a temporary file, fsync it, rename it over
 * the entry, fsync the directory.
 *
 * usage: bare-fsync DIR COUNT   (prints puts per second)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char tmp[4096], name[4096], val[256];
	struct timespec t0, t1;
	int dfd, fd, i, n;

	if (argc != 3)
		return 2;
	n = atoi(argv[2]);
	memset(val, 'v', sizeof val);
	if ((dfd = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		snprintf(tmp, sizeof tmp, ".k%d.tmp", i);
		snprintf(name, sizeof name, "k%d", i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || write(fd, val, sizeof val) != (ssize_t)sizeof val ||
		    fsync(fd) < 0 || close(fd) < 0 ||
		    renameat(dfd, tmp, dfd, name) < 0 || fsync(dfd) < 0)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", n / ((double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9));
	return 0;
}
