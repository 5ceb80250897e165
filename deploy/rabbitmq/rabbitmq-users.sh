#!/bin/sh
# Least privilege on the bus: one RabbitMQ user per role, allowed only what that role does
# (docs/operations.md#least-privilege-on-the-bus). Idempotent: creates the vhost if missing,
# creates each user or resets its password, and (re)sets its permissions. Run it on every deploy.
#
#   QUBICLE_WORKER_PASSWORD=... QUBICLE_GATEWAY_PASSWORD=... sh deploy/rabbitmq/rabbitmq-users.sh
#
# Settings (environment):
#   RABBITMQCTL              the rabbitmqctl command line (default: rabbitmqctl), e.g.
#                            "rabbitmqctl -n rabbit@rabbitmq", "docker exec -i <container> rabbitmqctl",
#                            "kubectl exec -i -n <ns> <pod> -- rabbitmqctl" (-i: passwords go on stdin)
#   QUBICLE_VHOST            the vhost (default: qubicle)
#   QUBICLE_<ROLE>_USER      the user of each role (defaults: qubicle-worker, qubicle-gateway,
#                            qubicle-service, qubicle-events)
#   QUBICLE_<ROLE>_PASSWORD  its password, or QUBICLE_<ROLE>_PASSWORD_FILE a file holding it (a
#                            Docker/Kubernetes secret). A role without a password is left alone.
#   QUBICLE_SERVICE_ACCOUNT, QUBICLE_EVENTS_ACCOUNT
#                            optional account id: that user may then bind only that account's
#                            recipient, queue and session events (topic permission on qubicle.events)
# ROLE is WORKER, GATEWAY, SERVICE (an outside queue/media service) or EVENTS (read-only events).
# Passwords never appear on a command line: rabbitmqctl reads them from stdin.
set -eu

CTL=${RABBITMQCTL:-rabbitmqctl}
VHOST=${QUBICLE_VHOST:-qubicle}

# configure = declare/delete, write = publish (and bind a queue), read = consume (and bind from an exchange).
# Names: libs/contracts/src/names.ts. amq.gen-* = server-named (exclusive) subscription queues.
# Publishing through the default exchange is a write on amq.default (RPC requests and replies).
WORKER_CONFIGURE='^(qubicle\.(recipient\.shard\.[0-9]+|directory|queue\.sessions|dead-letter|events|events\.feed|control|auth|node\..+)|amq\.gen-.*)$'
WORKER_WRITE='^(amq\.default|qubicle\.(events|events\.feed|control|auth|dead-letter)|amq\.gen-.*)$'
WORKER_READ='^(qubicle\.(recipient\.shard\.[0-9]+|directory|queue\.sessions|node\..+|events|control|dead-letter)|amq\.gen-.*)$'

GATEWAY_CONFIGURE='^amq\.gen-.*$'
GATEWAY_WRITE='^(amq\.default|amq\.gen-.*)$'
GATEWAY_READ='^(qubicle\.(events\.feed|events|control|auth)|amq\.gen-.*)$'

SERVICE_CONFIGURE='^amq\.gen-.*$'
SERVICE_WRITE='^(amq\.default|amq\.gen-.*)$'
SERVICE_READ='^(qubicle\.events|amq\.gen-.*)$'

EVENTS_CONFIGURE='^amq\.gen-.*$'
EVENTS_WRITE='^amq\.gen-.*$'
EVENTS_READ='^(qubicle\.events|amq\.gen-.*)$'

# With an account (QUBICLE_<ROLE>_ACCOUNT): the event kinds it may bind on qubicle.events, the
# second word of their routing keys (qubicle.{kind}.{account_id}.{id}.{event}, names.ts and
# queue/queue-names.ts). Nothing else: not another account, not another kind.
ACCOUNT_EVENT_KINDS='recipient|queue|session'

ctl() {
  # shellcheck disable=SC2086 # RABBITMQCTL is a command line: split on purpose
  $CTL "$@"
}

password_of() { # ROLE -> the password, or nothing
  eval "pw=\${QUBICLE_$1_PASSWORD:-}"
  eval "file=\${QUBICLE_$1_PASSWORD_FILE:-}"
  if [ -z "$pw" ] && [ -n "$file" ]; then
    [ -r "$file" ] || { echo "rabbitmq-users: QUBICLE_$1_PASSWORD_FILE: cannot read $file" >&2; exit 1; }
    pw=$(cat "$file")
  fi
  printf '%s' "$pw"
}

if ! ctl list_vhosts --quiet --no-table-headers | grep -qxF "$VHOST"; then
  ctl add_vhost "$VHOST"
fi
USERS=$(ctl list_users --quiet --no-table-headers | cut -f1)

role() { # ROLE default-user
  eval "user=\${QUBICLE_$1_USER:-$2}"
  pw=$(password_of "$1")
  if [ -z "$pw" ]; then
    echo "rabbitmq-users: no password for the $1 role (QUBICLE_$1_PASSWORD[_FILE]): $user left alone"
    return 0
  fi
  if printf '%s\n' "$USERS" | grep -qxF "$user"; then
    printf '%s\n' "$pw" | ctl change_password "$user"
  else
    printf '%s\n' "$pw" | ctl add_user "$user"
  fi
  eval "configure=\$$1_CONFIGURE write=\$$1_WRITE read=\$$1_READ"
  # shellcheck disable=SC2154 # set by the eval above
  ctl set_permissions -p "$VHOST" "$user" "$configure" "$write" "$read"
  eval "account=\${QUBICLE_$1_ACCOUNT:-}"
  if [ -n "$account" ]; then
    case $account in
      *[!0-9a-f]*) echo "rabbitmq-users: QUBICLE_$1_ACCOUNT must be an account id (hex), got '$account'" >&2; exit 1 ;;
    esac
    # binding keys on qubicle.events must start with this account's prefix; publishes: none
    ctl set_topic_permissions -p "$VHOST" "$user" qubicle.events '^$' "^qubicle\\.(${ACCOUNT_EVENT_KINDS})\\.${account}\\."
  else
    ctl clear_topic_permissions -p "$VHOST" "$user" qubicle.events
  fi
  echo "rabbitmq-users: $1 role = $user on vhost $VHOST"
}

role WORKER qubicle-worker
role GATEWAY qubicle-gateway
role SERVICE qubicle-service
role EVENTS qubicle-events
