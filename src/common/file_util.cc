#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace basalt::file {

std::string ErrnoText(int err) { return std::strerror(err); }

namespace {

Status IoErr(const std::string& what, const std::string& path, int err) {
  return Status::IoError(what + " '" + path + "': " + ErrnoText(err));
}

}  // namespace

Status WriteFully(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoErr("write to", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

int WriteAllV(int fd, std::span<const std::string_view> pieces, size_t* written) {
  *written = 0;
  std::vector<iovec> iov;
  iov.reserve(pieces.size());
  for (std::string_view p : pieces) {
    if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
  }
  size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    const ssize_t n = ::writev(fd, iov.data() + first, count);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return ENOSPC;  // no progress on a regular file: it is full
    *written += static_cast<size_t>(n);
    // Skip what was written; a short write leaves the rest of one piece for the next call.
    size_t left = static_cast<size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return 0;
}

Status WriteFullyV(int fd, const std::vector<std::string_view>& pieces, const std::string& path) {
  size_t written = 0;
  if (int err = WriteAllV(fd, pieces, &written); err != 0) return IoErr("write to", path, err);
  return Status::Ok();
}

Status SyncData(int fd, const std::string& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return IoErr("fsync of", path, errno);
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoErr("open directory", dir, errno);
  Status st = Status::Ok();
  if (::fsync(fd) != 0) st = IoErr("fsync of directory", dir, errno);
  ::close(fd);
  return st;
}

Status WriteFileAtomically(const std::string& path, std::string_view data, bool* replaced) {
  if (replaced != nullptr) *replaced = false;
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoErr("create", tmp, errno);
  Status st = WriteFully(fd, data, tmp);
  if (st.ok()) st = SyncData(fd, tmp);
  if (::close(fd) != 0 && st.ok()) st = IoErr("close", tmp, errno);
  if (st.ok()) st = RenameFile(tmp, path);
  if (st.ok()) {
    if (replaced != nullptr) *replaced = true;
    return SyncDirectory(DirName(path));
  }
  ::unlink(tmp.c_str());
  return st;
}

Status ReadFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoErr("open", path, errno);
  out->clear();
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return IoErr("read", path, err);
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::Ok();
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<int64_t> FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return IoErr("stat", path, errno);
  return static_cast<int64_t>(st.st_size);
}

Status MakeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::Ok();
  return IoErr("create directory", path, errno);
}

Status CheckEnterableDirectory(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::InvalidArgument(ErrnoText(errno));
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(ErrnoText(ENOTDIR));
  if (::access(path.c_str(), X_OK) != 0) return Status::InvalidArgument(ErrnoText(errno));
  return Status::Ok();
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status::Ok();
  return IoErr("remove", path, errno);
}

Status RemoveFileFreeingLater(const std::string& path,
                              const std::function<void(int fd)>& close_fd) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return RemoveFile(path);  // ENOENT is done; otherwise removed here, at once
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    const int err = errno;
    ::close(fd);
    return IoErr("remove", path, err);
  }
  close_fd(fd);
  return Status::Ok();
}

Status RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return Status::Ok();
  return IoErr("rename " + from + " to", to, errno);
}

}  // namespace basalt::file
