# syntax=docker/dockerfile:1.7
# Build from the repository root:  docker build -f deploy/docker/core-service.Dockerfile -t flexiapi/core-service .
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p core-service \
 && install -D target/release/core-service /out/core-service \
 && install -d /out/files

# glibc and CA certificates, no shell, no package manager, user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/core-service /usr/local/bin/core-service
# Voicemail recordings (--files-dir): writable by the service's user; mount
# a volume here to keep them (Kubernetes: deploy/kubernetes/files-volume.yaml).
COPY --from=build --chown=65532:65532 /out/files /var/lib/flexiapi/files
USER 65532:65532
EXPOSE 50051 9090
ENV FLEXIAPI_CORE_LISTEN=0.0.0.0:50051
ENV FLEXIAPI_FILES_DIR=/var/lib/flexiapi/files
ENTRYPOINT ["/usr/local/bin/core-service"]
CMD ["serve"]
