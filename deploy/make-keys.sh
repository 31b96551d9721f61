#!/bin/sh
# Make the fleet's two shared keys for docker-compose.yml in deploy/keys/ (kept if they exist).
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p keys
[ -s keys/secret.key ] || python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())" > keys/secret.key
[ -s keys/fleet.key ] || python3 -c "import secrets; print(secrets.token_urlsafe(48))" > keys/fleet.key
# The containers run as uid 10001 (deploy/Dockerfile) and Compose mounts the files as they are.
if [ "$(id -u)" = 0 ]; then
    chown 10001:10001 keys/secret.key keys/fleet.key
    chmod 0400 keys/secret.key keys/fleet.key
else
    echo "now run: sudo chown 10001:10001 $(pwd)/keys/*.key  (the containers' user must read them)"
fi
echo "keys in $(pwd)/keys: back them up; every API and recorder process needs the same two"
