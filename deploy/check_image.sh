#!/usr/bin/env bash
# Build the image and run the three seed examples against a container of it.
#
#   deploy/check_image.sh                 # base image: the Dockerfile's default
#   PYTHON_IMAGE=my/python:3.11 deploy/check_image.sh
#
# Not part of the test run: it needs a Docker engine and the base image (pulled, or
# made locally). The container shares the host's network, so nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

image=${MOCKREFUND_IMAGE:-mockrefund:check}
port=${PORT:-8097}
name=mockrefund-check-$$
build_args=()
[ -n "${PYTHON_IMAGE:-}" ] && build_args=(--build-arg "PYTHON_IMAGE=$PYTHON_IMAGE")

echo "+ docker build -t $image"
docker build --network host "${build_args[@]}" -t "$image" . >/dev/null
docker run -d --rm --network host --name "$name" -e "MOCKREFUND_PORT=$port" "$image" >/dev/null
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT

base=http://127.0.0.1:$port
for _ in $(seq 150); do
  curl -fs -o /dev/null "$base/__admin/health" && break
  sleep 0.2
done

expect() {  # expect WHAT ANSWER FRAGMENT
  if [[ "$2" != *"$3"* ]]; then
    echo "FAILED: $1 answered: $2" >&2
    exit 1
  fi
  echo "ok: $1"
}

answer=$(curl -s -X POST "$base/openapi/openapi/v2/order/orders/10001/refund" \
  -H 'Authorization: Bearer kakaclo-test-token' -H 'Content-Type: application/json' \
  -d '{"orderItems":[{"itemId":"120001","skuCode":"FSZW08923_R_L_NUB","quantity":1},{"itemId":"120002","skuCode":"FSZW08923_R_L_NUB","quantity":2}]}')
expect "Kakaclo's seed refund" "$answer" '{"code":10000,"message":"ok","data":10002}'

answer=$(curl -s -X POST "$base/admin/openapi/v20220901/order/refund.json" \
  -H 'Authorization: Bearer shopline-test-token' \
  -H 'Content-Type: application/json; charset=utf-8' \
  -d '{"note":"Refund","notify":true,"order_id":"21057520029298437725452511","refund_line_items":[{"line_item_id":601,"location_id":"5409714787218633772","quantity":1,"restock_type":"return","type":"Shipped"}],"shipping":{"amount":"1.23","full_refund":true},"transactions":[{"amount":"2.34","gateway":"Paypal","id":"23057520029306658561302511","kind":"refund","type":true}]}')
expect "SHOPLINE's seed refund" "$answer" '"id":"2605755870074105241861"'

answer=$(curl -s -X POST "$base/wc-api/v3/orders/645/refunds" \
  -u ck_mockrefund_test:cs_mockrefund_test -H 'Content-Type: application/json' \
  -d '{"order_refund":{"amount":10}}')
expect "WooCommerce's seed refund" "$answer" '"id":649'

echo "the image $image answers the three seed examples"
