"""The ``nested-sandbox`` need: what a container whose server makes bubblewrap sandboxes
(the packaged harbor image, local backend) needs from ``docker run``, and why.

Docker's default seccomp profile refuses ``unshare``/``clone`` of new namespaces,
``mount`` and ``pivot_root`` to a process without CAP_SYS_ADMIN. Instead of granting
CAP_SYS_ADMIN (or no seccomp at all), the container gets envbridge's own seccomp profile:
everything allowed except :data:`DENIED_SYSCALLS` (kernel modules, kexec, bpf, perf,
keyrings, ptrace, io_uring, the new mount API, clock and swap changes...). Bubblewrap then
builds each sandbox inside a *user* namespace, where mounting is the kernel's ordinary
unprivileged path. The server (root in the container) keeps only the capabilities the
sandbox plumbing uses: SETUID/SETGID (write the sandbox's uid/gid maps), CHOWN (give the
sandbox's folder to its unprivileged root), DAC_OVERRIDE/FOWNER (remove sandbox folders
owned by those uids), KILL (kill a sandbox's process group, which runs as another uid).
No SYS_ADMIN, no NET_ADMIN, no unconfined seccomp or AppArmor profile.
"""

from __future__ import annotations

import json

from envbridge.docker.run_options import Need, add_need

DENIED_SYSCALLS = (
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
    "delete_module", "fanotify_init", "finit_module", "fsconfig", "fsmount", "fsopen",
    "fspick", "get_kernel_syms", "init_module", "io_uring_enter", "io_uring_register",
    "io_uring_setup", "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl",
    "lookup_dcookie", "mount_setattr", "move_mount", "name_to_handle_at", "nfsservctl",
    "open_by_handle_at", "open_tree", "perf_event_open", "process_vm_readv",
    "process_vm_writev", "ptrace", "query_module", "quotactl", "reboot", "request_key",
    "setns", "settimeofday", "stime", "swapoff", "swapon", "syslog", "sysfs", "uselib",
    "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
)  # fmt: skip
"""Refused with EPERM in a nested-sandbox container (none of them is needed to serve)."""
CAPABILITIES = ("SETUID", "SETGID", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL")


def seccomp_profile() -> dict:
    """The profile (Docker's JSON format): allow, except :data:`DENIED_SYSCALLS`."""
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": list(DENIED_SYSCALLS), "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }


NESTED_SANDBOX = Need(
    name="nested-sandbox",
    why="its server runs each episode in a bubblewrap sandbox, which needs user namespaces "
    "and mounts inside the container (envbridge's seccomp profile allows them; no "
    "SYS_ADMIN) and root with " + ", ".join(CAPABILITIES) + " to map the sandbox's users",
    options={
        "cap_add": list(CAPABILITIES),
        "security_opt": [f"seccomp={json.dumps(seccomp_profile())}"],
    },
)
add_need(NESTED_SANDBOX)
