/* semihost-fs: host file operations through semihosting, one per line read from the console
 * (stdin), each reported on stdout as "<line>: ok[ <data>]" or "<line>: error <errno>":
 *   write PATH        create/truncate PATH and write "imcvp\n"
 *   read PATH         read PATH (up to 63 bytes; printed with newlines as '|')
 *   remove PATH       SYS_REMOVE
 *   rename OLD NEW    SYS_RENAME
 * Exits 0 at a line "quit" or at end of input. Used by tests/firmware to show that host file
 * access is off by default and confined to the --semihosting-fs directory when on. */
#include <errno.h>
#include <semihost.h>
#include <stdio.h>
#include <string.h>

static void report(const char* line, int ok, const char* data) {
  if (ok)
    printf("%s: ok%s%s\n", line, data ? " " : "", data ? data : "");
  else
    printf("%s: error %d\n", line, errno);
}

int main(void) {
  char line[512], copy[512];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = '\0';
    // SYS_READC has no end-of-input value: imcvp returns -1, which arrives as 0xff bytes.
    if (!strcmp(line, "quit") || strchr(line, '\xff')) break;
    if (!line[0]) continue;
    strcpy(copy, line);
    char* op = strtok(copy, " ");
    char* a = strtok(NULL, " ");
    char* b = strtok(NULL, " ");
    errno = 0;
    if (!op || !a) {
      printf("%s: bad command\n", line);
    } else if (!strcmp(op, "write")) {
      FILE* f = fopen(a, "w");
      int ok = f != NULL;
      if (f) {
        ok = fputs("imcvp\n", f) >= 0;
        ok = fclose(f) == 0 && ok;
      }
      report(line, ok, NULL);
    } else if (!strcmp(op, "read")) {
      char data[64] = {0};
      FILE* f = fopen(a, "r");
      size_t n = 0;
      for (int c; f && n < sizeof data - 1 && (c = getc(f)) != EOF;) data[n++] = (char)c;
      if (f) fclose(f);
      for (size_t i = 0; i < n; ++i)
        if (data[i] == '\n') data[i] = '|';
      report(line, f != NULL, data);
    } else if (!strcmp(op, "remove")) {
      report(line, remove(a) == 0, NULL);
    } else if (!strcmp(op, "rename") && b) {
      int ok = sys_semihost_rename(a, b) == 0;  // picolibc has no rename() over semihosting
      if (!ok) errno = sys_semihost_errno();
      report(line, ok, NULL);
    } else {
      printf("%s: bad command\n", line);
    }
  }
  return 0;
}
