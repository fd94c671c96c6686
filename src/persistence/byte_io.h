// Byte sinks and sources: where persistence formats write to and read from.
//
// The RDB writer and reader (and later the AOF and replication) produce and consume plain
// byte streams; these interfaces keep them ignorant of whether the bytes go to a file, a
// string in memory or a replica's socket. Formats do their own buffering and hand sinks large
// chunks, so one virtual call per chunk, not per field, is the expected cost.
//
// Threading: a sink or source is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/status.h"

namespace basalt::persistence {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Queues `data` for writing. Bytes may be buffered until Flush(); an error is reported by
  // this call or a later one. After an error the sink is unusable.
  virtual Status Append(std::string_view data) = 0;
  // Hands all buffered bytes to the destination (the OS for files).
  virtual Status Flush() = 0;
  // Flush, then make the bytes durable (fsync for files). Default: Flush().
  virtual Status Sync() { return Flush(); }
  // Bytes accepted by Append so far.
  virtual uint64_t bytes_written() const = 0;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`; *got is 0 only at the end of the data. A short read is
  // not the end. Returns an IoError if reading failed.
  virtual Status Read(char* buf, size_t n, size_t* got) = 0;
  // Total size in bytes when known up front (files, strings), else -1. For progress reports.
  virtual int64_t size() const { return -1; }
};

// Appends to a std::string owned by the caller (or by the sink when constructed without one).
class StringSink final : public ByteSink {
 public:
  StringSink() : out_(&own_) {}
  explicit StringSink(std::string* out) : out_(out) {}
  Status Append(std::string_view data) override {
    out_->append(data);
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  uint64_t bytes_written() const override { return out_->size(); }
  const std::string& contents() const { return *out_; }

 private:
  std::string own_;
  std::string* out_;
};

// Reads from memory the caller keeps alive.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  // The source only views its data: a temporary would dangle.
  explicit StringSource(std::string&&) = delete;
  Status Read(char* buf, size_t n, size_t* got) override;
  int64_t size() const override { return static_cast<int64_t>(data_.size()); }
  size_t position() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Bytes held as a list of fixed-size chunks: appending never moves what is already held. A
// replica receives a snapshot of unknown size (EOF framing) into one. As a single string, each
// doubling copied all of it and touched twice its size in new pages at once, on the event loop:
// a replica receiving 250 MB did not answer a PING for 0.4-0.5 s.
class ChunkedBytes {
 public:
  static constexpr size_t kChunkSize = 4 << 20;

  void Append(std::string_view bytes);
  size_t size() const { return size_; }
  bool EndsWith(std::string_view tail) const;
  void DropBack(size_t n);  // the last n bytes; n <= size()
  void Clear();
  const std::vector<std::string>& chunks() const { return chunks_; }

 private:
  std::vector<std::string> chunks_;
  size_t size_ = 0;
};

// Reads a ChunkedBytes the caller keeps alive and unchanged.
class ChunkedSource final : public ByteSource {
 public:
  explicit ChunkedSource(const ChunkedBytes& bytes) : bytes_(bytes) {}
  Status Read(char* buf, size_t n, size_t* got) override;
  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }

 private:
  const ChunkedBytes& bytes_;
  size_t chunk_ = 0;   // the chunk the next byte is in
  size_t offset_ = 0;  // ... and its offset there
};

// A file written through a user-space buffer: write(2) happens when the buffer fills (or on
// Flush/Sync), and appends of at least a buffer's size go straight to the file.
class FileSink final : public ByteSink {
 public:
  enum class Mode { kTruncate, kAppend };
  static constexpr size_t kDefaultBufferSize = 64 * 1024;

  // Opens (creating, mode 0644) `path`. On failure returns the IoError and *out is untouched.
  static Status Open(const std::string& path, Mode mode, std::unique_ptr<FileSink>* out,
                     size_t buffer_size = kDefaultBufferSize);
  // Takes ownership of an open, writable descriptor.
  FileSink(int fd, std::string path, size_t buffer_size = kDefaultBufferSize);
  // Closes the descriptor. Unflushed bytes are flushed; errors there are lost, so call
  // Close() (or Sync()) first when they matter.
  ~FileSink() override;

  Status Append(std::string_view data) override;
  Status Flush() override;
  // Flush + fdatasync.
  Status Sync() override;
  uint64_t bytes_written() const override { return bytes_written_; }
  // Flushes and closes; further use is an error. Idempotent.
  Status Close();
  const std::string& path() const { return path_; }

 private:
  Status WriteAll(const char* data, size_t n);

  int fd_;
  std::string path_;
  std::string buffer_;
  size_t buffer_size_;
  uint64_t bytes_written_ = 0;
  Status error_;
};

// Reads a file with read(2); no buffering of its own (readers ask for large chunks).
class FileSource final : public ByteSource {
 public:
  // Opens `path` for reading; NotFound when it does not exist, IoError otherwise.
  static Status Open(const std::string& path, std::unique_ptr<FileSource>* out);
  // Takes ownership of an open, readable descriptor.
  FileSource(int fd, std::string path);
  ~FileSource() override;

  Status Read(char* buf, size_t n, size_t* got) override;
  int64_t size() const override { return size_; }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
  int64_t size_ = -1;
};

}  // namespace basalt::persistence
