# helm test: passes once every member answers GET /leader and exactly one of them says it leads
# ("isSelf":true); fails after TIMEOUT_SECONDS with each member's answer. POSIX sh and wget
# (busybox), so the test image stays small.
deadline=$(( $(date +%s) + TIMEOUT_SECONDS ))
while :; do
  leaders=0
  answered=0
  report=""
  for url in $MEMBER_URLS; do
    if answer=$(wget -q -T 5 -O - "$url"); then
      answered=$((answered + 1))
      case "$answer" in
        *'"isSelf":true'*) leaders=$((leaders + 1)) ;;
      esac
      report="$report\n  $url: $answer"
    else
      report="$report\n  $url: no answer"
    fi
  done
  members=$(echo $MEMBER_URLS | wc -w)
  if [ "$leaders" -eq 1 ] && [ "$answered" -eq "$members" ]; then
    printf 'exactly one of %s members leads:%b\n' "$members" "$report"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    printf 'expected all %s members to answer and exactly one to lead; %s answered, %s lead:%b\n' \
      "$members" "$answered" "$leaders" "$report" >&2
    exit 1
  fi
  sleep 2
done
