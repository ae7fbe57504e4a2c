import CPolytailStartup
import PolytailCLI

// The command's matrices are small and its fits use every core themselves: OpenBLAS's idle
// workers would only compete with them (see Sources/CPolytailStartup/startup.c).
polytail_single_blas_thread()
PolytailCommand.main()
