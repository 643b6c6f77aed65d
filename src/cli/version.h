/* vmlab's version: `vmlab --version`, the statistics, the man page's header. */
#ifndef VMLAB_CLI_VERSION_H
#define VMLAB_CLI_VERSION_H
#define VMLAB_VERSION "0.1"
#endif
