# apigw's container image (docs/container.md):
#   podman build -t apigw .            (or docker build; BASE_IMAGE picks the Debian 12 image)
#
# Stage 1 builds the Debian package (debian/, with Debian's hardening flags) on Debian 12; stage 2
# installs it into a minimal Debian 12 (bookworm-slim): apt resolves the libraries from the
# package's dependencies, so the image holds the binary, its libraries, the default config and
# nothing to build with (no compiler, no headers, no curl: the health check is `apigw probe`).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive
# The build dependencies first (scripts/bootstrap.sh's list), as a layer of their own.
COPY scripts/bootstrap.sh /src/scripts/bootstrap.sh
RUN /src/scripts/bootstrap.sh build \
 && apt-get install -y -qq --no-install-recommends debhelper dpkg-dev >/dev/null
COPY . /src
WORKDIR /src
# The commit `apigw version` names (the copy has no .git): --build-arg APIGW_BUILD_COMMIT=$(git ...).
ARG APIGW_BUILD_COMMIT=unknown
RUN APIGW_BUILD_COMMIT="${APIGW_BUILD_COMMIT}" dpkg-buildpackage -b -us -uc \
 && mv ../apigw_*.deb /apigw.deb

FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /apigw.deb /tmp/apigw.deb
# The user first, with a fixed id (the package's postinst keeps an existing one): USER names it
# by number, which Kubernetes' runAsNonRoot needs, and volumes keep their owner across builds.
RUN groupadd --system --gid 10001 apigw \
 && useradd --system --uid 10001 --gid apigw --home-dir /var/lib/apigw --no-create-home \
      --shell /usr/sbin/nologin apigw \
 && apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends /tmp/apigw.deb >/dev/null \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /tmp/apigw.deb
# The package's config (a welcome page on 8080, the admin API on the container's loopback, where
# the health check reaches it) with the access log on stdout. Mount your own config over
# /etc/apigw/apigw.toml; to reach the admin API from outside, set APIGW__ADMIN__LISTEN=0.0.0.0:9901
# and APIGW__ADMIN__TOKEN (an admin API beyond loopback needs a token).
ENV APIGW__SERVER__ACCESS_LOG__PATH=/dev/stdout
EXPOSE 8080 9901
VOLUME ["/var/lib/apigw"]
USER 10001:10001
WORKDIR /var/lib/apigw
# apigw is PID 1: it handles SIGTERM (drain, then exit 0), SIGINT, SIGHUP (reload) and SIGUSR1
# itself, and starts no child processes that would need reaping. SIGUSR2 (binary upgrade) is for
# hosts: in a container, replace the container.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/bin/apigw", "probe", "http://127.0.0.1:9901/ready"]
ENTRYPOINT ["/usr/bin/apigw"]
CMD ["run", "-c", "/etc/apigw/apigw.toml"]
