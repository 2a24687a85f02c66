# syntax=docker/dockerfile:1.7
# Build from the repository root:  docker build -f deploy/docker/rest-gateway.Dockerfile -t flexiapi/rest-gateway .
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p rest-gateway \
 && install -D target/release/rest-gateway /out/rest-gateway

# glibc and CA certificates, no shell, no package manager, user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/rest-gateway /usr/local/bin/rest-gateway
USER 65532:65532
EXPOSE 8080
ENV FLEXIAPI_GATEWAY_LISTEN=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/rest-gateway"]
