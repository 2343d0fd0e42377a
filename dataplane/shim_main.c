/* skiff-shim: a container's shim (kubelet/shim.c), exec'd by the kubelet's
 * runtime for every container it starts. */
#include "kubelet/runtime.h"

int main(int argc, char **argv)
{
	return rt_shim_main(argc, argv);
}
