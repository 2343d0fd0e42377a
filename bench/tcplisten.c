/* tcplisten: the smallest server a pod benchmark needs — listen on a TCP
 * port (argv[1], default 8080), accept and close connections forever. Built
 * static by bench/kubelet_bench.py into an image of the node's store. */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_port = htons(argc > 1 ? (unsigned short)atoi(argv[1]) : 8080);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 64))
		return 1;
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c >= 0)
			close(c);
	}
}
