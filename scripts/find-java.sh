# Sourced by the launchers: finds a JDK >= 25 and exports JAVA_HOME and JAVA.
# Order: $JAVA_HOME, then `java` on PATH, then the JDKs in the system's JVM directories.
dllmq_java_major() {
  # prints the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

dllmq_find_java() {
  local need=25 candidate major
  local candidates=()
  if [ -n "${JAVA_HOME:-}" ]; then candidates+=("$JAVA_HOME/bin/java"); fi
  if command -v java >/dev/null 2>&1; then candidates+=("$(command -v java)"); fi
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$dir/bin/java" ] && candidates+=("$dir/bin/java")
  done
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate" ] || continue
    major=$(dllmq_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$need" ]; then
      local real
      real=$(readlink -f "$candidate")
      JAVA_HOME=$(dirname "$(dirname "$real")")
      JAVA="$JAVA_HOME/bin/java"
      export JAVA_HOME JAVA
      return 0
    fi
  done
  echo "dllm-quant needs a JDK 25 or newer: none found in JAVA_HOME (${JAVA_HOME:-unset}), on PATH, or under /usr/lib/jvm, /usr/java, /opt." >&2
  echo "Install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}

# JVM flags of every program: the Vector API is an incubator module; FFM needs native access.
DLLMQ_JVM_FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
# Maven itself runs on the JDK found above; this silences its libraries' sun.misc.Unsafe warnings.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
