# deck in a container, as marpteam/marp-cli is Marp in one: build, serve, check and export decks
# without a Rust toolchain.
#
#   docker build -t deck .
#   docker run --rm -v "$PWD:/deck" --user "$(id -u):$(id -g)" deck build
#   docker run --rm -v "$PWD:/deck" -p 8080:8080 deck serve --host 0.0.0.0 --port 8080
#   docker run --rm -v "$PWD:/deck" --user "$(id -u):$(id -g)" deck export --pdf
#
# `--user` keeps what deck writes (dist/, .deck-cache/) yours. `serve --host 0.0.0.0` is needed
# inside a container (its loopback is not the host's); publish the port with `-p`.
#
# Stages: `build` compiles deck in the Rust image; `runtime` (the default) is Debian slim with
# Chromium, for `deck export` and `deck check`'s overflow measurement, and deck. `prebuilt` is the
# same runtime around a `deck` binary placed in the build context (`docker build --target prebuilt`),
# for a binary built elsewhere (a release archive; deck's tests, which reach no image registry).
# `deck run` is not for this image: it drives a Docker engine and measures the host.

FROM debian:bookworm-slim AS base
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends chromium fonts-lato fonts-noto-color-emoji ca-certificates; \
    rm -rf /var/lib/apt/lists/*
ENV CHROME_PATH=/usr/bin/chromium HOME=/tmp
WORKDIR /deck
EXPOSE 8080
ENTRYPOINT ["deck"]
CMD ["--help"]

# Before `build`: Docker's classic builder builds every stage up to the target, in order.
FROM base AS prebuilt
COPY deck /usr/local/bin/deck

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/deck /usr/local/bin/deck

FROM base AS runtime
COPY --from=build /usr/local/bin/deck /usr/local/bin/deck
