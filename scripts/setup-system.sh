#!/usr/bin/env bash
# System packages the tests and previews need: LibreOffice (renderer), poppler (pdftotext/pdffonts/pdftoppm),
# free CJK fonts, and chromium with its driver (the web form's browser test). Idempotent: does nothing when everything is already there.
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
[ -e /usr/lib/libreoffice/program/libscfiltlo.so ] || need+=(libreoffice-calc-nogui)  # opens the summary workbook
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -q "Noto Serif CJK" || need+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -q "AR PL UKai" || need+=(fonts-arphic-ukai)
fc-list 2>/dev/null | grep -q "Liberation Serif" || need+=(fonts-liberation)
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # serve's browser test
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
