/* The MPI program of the cluster-mode test (runtimeMpi.test.ts), compiled there with mpicc: every rank
 * finds the IPv4 address of its host's interface, prints it, and adds the address's last number into
 * an MPI_Allreduce; rank 0 gathers every rank's address with MPI_Gather. What rank 0 prints can only
 * come from the other ranks, over MPI. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <mpi.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  char address[INET_ADDRSTRLEN] = "none";
  long last = 0;
  struct ifaddrs *list, *a;
  if (getifaddrs(&list) == 0) {
    for (a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
      uint32_t host = ntohl(((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr);
      if (host >> 24 == 127) continue;
      inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, address, sizeof address);
      last = host & 0xff;
      break;
    }
    freeifaddrs(list);
  }
  printf("rank %d of %d on %s\n", rank, size, address);
  fflush(stdout);

  long sum = 0;
  MPI_Allreduce(&last, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  char *all = rank == 0 ? malloc((size_t)size * INET_ADDRSTRLEN) : NULL;
  MPI_Gather(address, INET_ADDRSTRLEN, MPI_CHAR, all, INET_ADDRSTRLEN, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    printf("gathered");
    for (int i = 0; i < size; i++) printf("%s%s", i ? "," : " ", all + (size_t)i * INET_ADDRSTRLEN);
    printf("\nallreduce sum of the last numbers %ld\n", sum);
    free(all);
  }
  MPI_Finalize();
  return 0;
}
