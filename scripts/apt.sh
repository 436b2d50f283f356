# Debian packages for the scripts that install what they need. Sourced:
#   . scripts/apt.sh
#   installed PKG              dpkg has PKG installed
#   apt_install PKG...         install them (as root, or through sudo) after one
#                              `apt-get update`; returns apt-get's status, so a
#                              caller may skip rather than fail
#   apt_install_missing PKG... apt_install those not installed yet
# shellcheck shell=bash

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: $* (Debian)"
    $sudo apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

apt_install_missing() {
    local missing=() package
    for package in "$@"; do
        installed "$package" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}
