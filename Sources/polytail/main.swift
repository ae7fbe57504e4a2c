import Polytail
import PolytailCLI

// The command's matrices are small and its fits use every core themselves: OpenBLAS's idle
// workers would only compete with them (see Blas.useOneThreadForTheProcess).
Blas.useOneThreadForTheProcess()
PolytailCommand.main()
