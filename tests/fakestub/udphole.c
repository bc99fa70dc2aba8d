/*
 * udphole - a UDP port that takes datagrams and never answers: a name
 * server that has hung, for the test of ptdump's lookup deadline.
 *
 *   udphole ADDRESS PORT
 *
 * Prints "ready" once bound, then reads and drops forever (60 s at
 * most: never outlive a test that forgot us).  Exits 2 when it cannot
 * bind.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	char buf[2048];
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: udphole ADDRESS PORT\n");
		return 2;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		perror("udphole");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	alarm(60);
	for (;;)
		if (recv(fd, buf, sizeof buf, 0) < 0)
			return 1;
}
