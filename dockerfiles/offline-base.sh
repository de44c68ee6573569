#!/usr/bin/env bash
# Make the base images of the benchmark variants without any image registry: debian:bookworm-slim
# and debian:trixie-slim, built locally with Debian's debootstrap and `docker import`.
#
#   sudo dockerfiles/offline-base.sh [--force]
#
# For machines that reach Debian's package archive but no image registry. Where Docker Hub is
# reachable you do not need this: `docker pull debian:bookworm-slim` gives the official images.
# Like the official -slim images: a minbase system, no documentation, man pages or apt lists, and
# dpkg told to keep leaving them out.
set -euo pipefail
force="${1:-}"
command -v debootstrap >/dev/null || { echo "needs debootstrap: apt-get install debootstrap" >&2; exit 1; }
docker info >/dev/null || { echo "needs a running Docker engine" >&2; exit 1; }

for suite in bookworm trixie; do
  tag="debian:$suite-slim"
  if [ "$force" != "--force" ] && docker image inspect "$tag" >/dev/null 2>&1; then
    echo "$tag: already here (--force to make it again)"
    continue
  fi
  root="$(mktemp -d)"
  trap 'rm -rf "$root"' EXIT
  echo "== $tag: debootstrap --variant=minbase $suite"
  debootstrap --variant=minbase "$suite" "$root" >"$root.log" 2>&1 || { tail -20 "$root.log"; exit 1; }
  rm -f "$root.log"
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
  printf 'APT::Install-Recommends "false";\n' >"$root/etc/apt/apt.conf.d/docker-no-recommends"
  find "$root/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/lib/apt/lists/* \
    "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log
  tar --numeric-owner -C "$root" -c . \
    | docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$tag" >/dev/null
  rm -rf "$root"
  trap - EXIT
  echo "$tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
done
