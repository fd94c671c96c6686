// Thin POSIX file helpers with Status results: the durable-write steps every persistence
// path repeats (write fully, fsync, atomic replace, directory fsync).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/status.h"

namespace basalt::file {

// Writes all of `data` to fd, retrying short writes and EINTR.
Status WriteFully(int fd, std::string_view data, const std::string& path_for_errors);
// Writes all the pieces, in order, with as few writev(2) calls as possible. Returns 0 or the
// errno of the failure (ENOSPC for a call that made no progress); *written counts the bytes that
// reached the file either way.
int WriteAllV(int fd, std::span<const std::string_view> pieces, size_t* written);
// WriteAllV with a Status naming the path.
Status WriteFullyV(int fd, const std::vector<std::string_view>& pieces,
                   const std::string& path_for_errors);
// fdatasync(2) the file; on failure the data must be treated as not durable.
Status SyncData(int fd, const std::string& path_for_errors);
// fsync(2) a directory so a rename or a new file in it survives a crash.
Status SyncDirectory(const std::string& dir);
// Writes `data` to `path` durably: temp file in the same dir, fsync, rename, fsync the dir.
// On failure the temp file is removed and `path` is either untouched or, when only the final
// directory fsync failed, already replaced (visible now, but a crash may still undo it):
// *replaced (optional) tells which, since a caller must then treat both versions as possible.
Status WriteFileAtomically(const std::string& path, std::string_view data,
                           bool* replaced = nullptr);
Status ReadFile(const std::string& path, std::string* out);
// Directory part of a path ("." when there is none) and path joining.
std::string DirName(const std::string& path);
std::string JoinPath(const std::string& dir, const std::string& name);
bool Exists(const std::string& path);
Result<int64_t> FileSize(const std::string& path);
Status MakeDirectory(const std::string& path);  // ok when it already exists
// What chdir() into `path` would say: Ok, or InvalidArgument with the system's reason alone
// ("No such file or directory", "Not a directory"), as CONFIG SET dir reports it.
Status CheckEnterableDirectory(const std::string& path);
Status RemoveFile(const std::string& path);  // ok when it does not exist
// Removes the name at once, and leaves the freeing of its blocks (done by the kernel at the
// last close, and slow for a file of gigabytes) to `close_fd`, given a descriptor held open
// for it, which may close it on another thread. Ok when it does not exist.
Status RemoveFileFreeingLater(const std::string& path, const std::function<void(int fd)>& close_fd);
Status RenameFile(const std::string& from, const std::string& to);
std::string ErrnoText(int err);

}  // namespace basalt::file
