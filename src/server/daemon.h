// Running in the background and the pid file, as redis-server does with `daemonize yes` and
// `pidfile`: init scripts and supervisors start the server this way and find it by its pid.
#pragma once

#include <string>

#include "basalt/status.h"
#include "config/settings.h"

namespace basalt::server {

// Forks: the parent exits at once with status 0, and the child goes on in a session of its
// own, with standard input, output and error on /dev/null. Call it before any thread starts
// (only the calling thread survives a fork).
Status Daemonize();
// The pid file to keep: `pidfile` when set, else Redis's default when daemonized, else none
// (empty). A supervised server is not daemonized, whatever `daemonize` says.
std::string PidFilePath(const config::Settings& settings, bool daemonized);
// Writes this process's pid and a newline to `path`. A failure is logged and not fatal (as
// Redis: the server runs without it).
void WritePidFile(const std::string& path);
void RemovePidFile(const std::string& path);

}  // namespace basalt::server
