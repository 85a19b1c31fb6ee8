#!/usr/bin/env bash
# Applies a roamsim link profile (netem/*.toml) to a network device with Linux netem, for kernels
# that have sch_netem. It runs the profile's stated netem options for one direction:
#
#   tc qdisc replace dev DEV root netem <the section's `netem = "..."` value>
#
# netem shapes a device's egress, so apply [uplink] (visited -> home) on the visited side's interface
# and [downlink] (home -> visited) on the home side's. Outage windows (`outage = [...]`) have no netem
# equivalent and are not applied; the script says so.
#
# Usage: scripts/netem-apply.sh [--dry-run] [--direction uplink|downlink] PROFILE.toml DEV
#        scripts/netem-apply.sh [--dry-run] --remove DEV   (tc qdisc del dev DEV root)
set -euo pipefail

usage() {
    cat >&2 <<'USAGE'
Usage: scripts/netem-apply.sh [--dry-run] [--direction uplink|downlink] PROFILE.toml DEV
       scripts/netem-apply.sh [--dry-run] --remove DEV
USAGE
    exit 2
}

dry_run=0
direction=uplink
remove=0
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) dry_run=1 ;;
        --direction)
            [ $# -ge 2 ] || usage
            direction=$2
            shift
            ;;
        --direction=*) direction=${1#--direction=} ;;
        --remove) remove=1 ;;
        -h | --help) usage ;;
        -*) echo "netem-apply: unknown option $1" >&2; usage ;;
        *) positional+=("$1") ;;
    esac
    shift
done

run() {
    if [ "$dry_run" -eq 1 ]; then
        printf '%s\n' "$*"
    else
        "$@"
    fi
}

if [ "$remove" -eq 1 ]; then
    [ "${#positional[@]}" -eq 1 ] || usage
    run tc qdisc del dev "${positional[0]}" root
    exit 0
fi

[ "${#positional[@]}" -eq 2 ] || usage
profile=${positional[0]}
dev=${positional[1]}
case "$direction" in
    uplink | downlink) ;;
    *) echo "netem-apply: --direction must be uplink or downlink, not '$direction'" >&2; exit 2 ;;
esac
[ -r "$profile" ] || { echo "netem-apply: cannot read profile '$profile'" >&2; exit 2; }

# Prints the value of KEY in the [$direction] table (first match), without quotes.
section_value() {
    awk -v dir="$direction" -v key="$1" '
        /^[[:space:]]*\[[^]]*\][[:space:]]*(#.*)?$/ {
            line = $0
            sub(/^[[:space:]]*\[/, "", line)
            sub(/\].*$/, "", line)
            insec = (line == dir)
            next
        }
        insec && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" {
            sub(/^[^=]*=[[:space:]]*/, "")
            if ($0 ~ /^"/) {
                sub(/^"/, "")
                sub(/".*$/, "")
            }
            print
            exit
        }
    ' "$profile"
}

args=$(section_value netem)
if [ -z "$args" ]; then
    echo "netem-apply: $profile: no \`netem = \"...\"\` in [$direction]" >&2
    exit 2
fi
case "$args" in
    *[!A-Za-z0-9.%\ -]*)
        echo "netem-apply: $profile: [$direction].netem has unexpected characters: $args" >&2
        exit 2
        ;;
esac
if [ -n "$(section_value outage)" ]; then
    echo "netem-apply: $profile: [$direction] has outage windows; netem cannot schedule them, not applied" >&2
fi

read -r -a netem_args <<<"$args"
run tc qdisc replace dev "$dev" root netem "${netem_args[@]}"
