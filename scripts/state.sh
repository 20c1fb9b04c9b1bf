# Sourced by scripts/run and scripts/exec: where a running container's
# state lives. scripts/run writes "PID START" of its unshare process (the
# parent of the container's nsinit) to state_file BUNDLE while the
# container runs; scripts/exec reads it back and checks it still names that
# process (a pid can be reused: the start time tells).

# The state directory: /run/nsinit for root, else the user's runtime dir.
state_dir() {
    if [ "$(id -u)" = 0 ]; then
        echo /run/nsinit
    else
        echo "${XDG_RUNTIME_DIR:-/tmp}/nsinit-$(id -u)"
    fi
}

# The state file of a bundle: named for its absolute path.
state_file() {
    local abs
    abs=$(cd "$1" && pwd -P)
    echo "$(state_dir)/$(printf '%s' "$abs" | sha256sum | cut -c1-32)"
}

# A process's start time (clock ticks since boot, /proc/PID/stat field 22),
# or nothing when it is gone.
start_time() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    # comm (field 2) may hold spaces: count from after its closing ')'.
    stat=${stat##*) }
    set -- $stat
    echo "${20}"
}
