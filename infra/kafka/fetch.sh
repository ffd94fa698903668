#!/usr/bin/env bash
# Fetch the Apache Kafka broker jars and their runtime dependencies from Maven Central, once.
# They are cached in ~/.cache/cebsim/kafka-<version>/lib, shared by every clone on this machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${CEBSIM_KAFKA_VERSION:-4.3.1}
lib="$HOME/.cache/cebsim/kafka-$version/lib"
if compgen -G "$lib/*kafka_2.13-$version.jar" >/dev/null; then
  exit 0
fi
echo "fetching Apache Kafka $version jars with Maven into $lib" >&2
mkdir -p "$lib.partial"
mvn -B -q -f "$here/pom.xml" -Dkafka.version="$version" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$lib.partial" -Dmdep.prependGroupId=true
rm -rf "$lib"
mv "$lib.partial" "$lib"
