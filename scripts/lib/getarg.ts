/**
 * dracut's getarg for running the 95luna module's functions off-dracut (the node-shell tests,
 * the emulated cluster's node agents), reduced to what the module uses: `getarg key=` prints
 * the value of the last `key=value` word of $GETARG_CMDLINE (dracut.cmdline(7): the last one
 * wins) and fails when there is none. Quoted values with spaces are not handled; dracut's real
 * getarg is exercised in test/e2e/dracut-build.test.ts, inside a real initramfs.
 */
export const STUB_GETARG = `getarg() {
  _g_v=; _g_f=1
  for _g_a in $GETARG_CMDLINE; do
    case "$_g_a" in "$1"*) _g_v=\${_g_a#"$1"}; _g_f=0 ;; esac
  done
  printf '%s' "$_g_v"
  return $_g_f
}
`;
