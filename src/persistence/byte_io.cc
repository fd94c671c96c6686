#include "persistence/byte_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace basalt::persistence {

namespace {

Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " '";
  msg += path;
  msg += "': ";
  msg += std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IoError(std::move(msg));
}

}  // namespace

Status StringSource::Read(char* buf, size_t n, size_t* got) {
  size_t k = std::min(n, data_.size() - pos_);
  if (k > 0) std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  *got = k;
  return Status::Ok();
}

void ChunkedBytes::Append(std::string_view bytes) {
  while (!bytes.empty()) {
    if (chunks_.empty() || chunks_.back().size() == kChunkSize) {
      chunks_.emplace_back().reserve(kChunkSize);  // its pages are touched only as it fills
    }
    std::string& last = chunks_.back();
    const size_t take = std::min(kChunkSize - last.size(), bytes.size());
    last.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    size_ += take;
  }
}

bool ChunkedBytes::EndsWith(std::string_view tail) const {
  if (tail.size() > size_) return false;
  for (auto chunk = chunks_.rbegin(); !tail.empty(); ++chunk) {
    const size_t k = std::min(tail.size(), chunk->size());
    if (std::string_view(*chunk).substr(chunk->size() - k) != tail.substr(tail.size() - k)) {
      return false;
    }
    tail.remove_suffix(k);
  }
  return true;
}

void ChunkedBytes::DropBack(size_t n) {
  while (n > 0) {
    std::string& last = chunks_.back();
    const size_t k = std::min(n, last.size());
    last.resize(last.size() - k);
    size_ -= k;
    n -= k;
    if (last.empty()) chunks_.pop_back();
  }
}

void ChunkedBytes::Clear() {
  chunks_.clear();
  size_ = 0;
}

Status ChunkedSource::Read(char* buf, size_t n, size_t* got) {
  *got = 0;
  const std::vector<std::string>& chunks = bytes_.chunks();
  while (*got < n && chunk_ < chunks.size()) {
    const std::string& chunk = chunks[chunk_];
    const size_t k = std::min(n - *got, chunk.size() - offset_);
    std::memcpy(buf + *got, chunk.data() + offset_, k);
    *got += k;
    offset_ += k;
    if (offset_ == chunk.size()) {
      ++chunk_;
      offset_ = 0;
    }
  }
  return Status::Ok();
}

Status FileSink::Open(const std::string& path, Mode mode, std::unique_ptr<FileSink>* out,
                      size_t buffer_size) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == Mode::kAppend ? O_APPEND : O_TRUNC);
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  *out = std::make_unique<FileSink>(fd, path, buffer_size);
  return Status::Ok();
}

FileSink::FileSink(int fd, std::string path, size_t buffer_size)
    : fd_(fd), path_(std::move(path)), buffer_size_(buffer_size == 0 ? 1 : buffer_size) {
  buffer_.reserve(buffer_size_);
}

FileSink::~FileSink() {
  // As the header says: a caller who cares about the data closed (or synced) and checked
  // already; an unclosed sink was abandoned on a path that reports its own error.
  (void)Close();
}

Status FileSink::WriteAll(const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      error_ = ErrnoStatus("write to", path_, errno);
      return error_;
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

Status FileSink::Append(std::string_view data) {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return Status::IoError("write to closed file '" + path_ + "'");
  bytes_written_ += data.size();
  if (buffer_.size() + data.size() <= buffer_size_) {
    buffer_.append(data);
    return Status::Ok();
  }
  Status s = Flush();
  if (!s.ok()) return s;
  // Large chunks skip the buffer: copying them would only cost time.
  if (data.size() >= buffer_size_) return WriteAll(data.data(), data.size());
  buffer_.append(data);
  return Status::Ok();
}

Status FileSink::Flush() {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return Status::IoError("flush of closed file '" + path_ + "'");
  if (buffer_.empty()) return Status::Ok();
  Status s = WriteAll(buffer_.data(), buffer_.size());
  buffer_.clear();
  return s;
}

Status FileSink::Sync() {
  Status s = Flush();
  if (!s.ok()) return s;
  if (::fdatasync(fd_) != 0) {
    error_ = ErrnoStatus("fdatasync of", path_, errno);
    return error_;
  }
  return Status::Ok();
}

Status FileSink::Close() {
  if (fd_ < 0) return error_;
  Status s = Flush();
  // close() must not be retried on EINTR on Linux: the descriptor is gone either way.
  if (::close(fd_) != 0 && s.ok()) s = ErrnoStatus("close of", path_, errno);
  fd_ = -1;
  if (!s.ok() && error_.ok()) error_ = s;
  return s;
}

Status FileSource::Open(const std::string& path, std::unique_ptr<FileSource>* out) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  *out = std::make_unique<FileSource>(fd, path);
  return Status::Ok();
}

FileSource::FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  struct stat st;
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_ = st.st_size;
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Status FileSource::Read(char* buf, size_t n, size_t* got) {
  *got = 0;
  while (true) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) {
      *got = static_cast<size_t>(r);
      return Status::Ok();
    }
    if (errno != EINTR) return ErrnoStatus("read from", path_, errno);
  }
}

}  // namespace basalt::persistence
