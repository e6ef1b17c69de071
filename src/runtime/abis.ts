// The seccomp architectures whose system calls this kernel cannot run. Docker's
// profile lists every ABI the CPU has (x86-64: X86_64, X86 and X32), and
// `runc create` compiles the filter's rules once per listed ABI in every
// container it starts. Most kernels refuse x32's calls with ENOSYS (built
// without CONFIG_X86_X32_ABI, or Debian's without syscall.x32=y), so its third
// of the filter guards nothing; seccomp.ts leaves out what this returns.
// docs/compatibility.md says what changes for a container.
import { nativeIfBuilt } from '../lib/native.ts';

let unrunnable: readonly string[] | undefined;

/** libseccomp names of the ABIs this kernel refuses, probed once (none when the addon is not built). */
export function unrunnableArchitectures(): readonly string[] {
  if (unrunnable) return unrunnable;
  const probe = nativeIfBuilt()?.x32Syscalls;
  unrunnable = process.arch === 'x64' && probe !== undefined && !probe() ? ['SCMP_ARCH_X32'] : [];
  return unrunnable;
}
