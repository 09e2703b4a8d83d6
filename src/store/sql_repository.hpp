// The Repository written once over SqlConnection; the few statements that differ between SQLite and
// PostgreSQL (search index, timestamp text, settings table) branch on the backend kind.
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "store/connection_pool.hpp"
#include "store/group_commit.hpp"
#include "store/message_session_cache.hpp"
#include "store/repository.hpp"
#include "store/search_text.hpp"

namespace parley::store {

class SqlRepository final : public Repository {
 public:
  // `clock` stamps created_at/updated_at/last-activity values; tests pass one they set.
  SqlRepository(Kind kind, std::unique_ptr<ConnectionPool> pool, WallClock clock = system_wall_clock());

  [[nodiscard]] Kind kind() const override { return kind_; }
  bool ping() override;

  bool ensure_conversation(const std::string& session_id) override;
  std::optional<Conversation> find_conversation(const std::string& session_id) override;
  bool set_title(const std::string& session_id, const std::optional<std::string>& title) override;
  std::vector<BlobTombstone> delete_conversation(const std::string& session_id) override;
  ConversationPage list_conversations(const ConversationQuery& query) override;
  std::optional<ConversationSummary> conversation_summary(const std::string& session_id) override;

  bool has_messages(const std::string& session_id) override;
  StoredMessage insert_message(const NewMessage& message) override;
  bool open_turn(const std::string& session_id, const std::optional<NewMessage>& system_when_empty,
                 const std::vector<NewMessage>& messages) override;
  std::vector<StoredMessage> load_messages(const std::string& session_id, const MessageRange& range) override;
  void for_each_message(const std::string& session_id, const MessageRange& range,
                        const std::function<bool(StoredMessage&)>& row) override;
  int delete_message_cascade(const std::string& session_id, const std::string& message_ref) override;

  void insert_attachment(const AttachmentRow& row) override;
  std::optional<AttachmentRow> find_attachment(const std::string& attachment_id) override;
  void touch_attachment(const std::string& attachment_id, SystemTime used_at) override;
  void update_attachment_urls(const std::string& attachment_id, const std::string& url,
                              const std::string& expires_at_iso) override;
  std::vector<AttachmentRow> expired_attachments(SystemTime now, int limit) override;
  void delete_attachment(const std::string& attachment_id) override;
  std::vector<BlobTombstone> pending_tombstones(int limit) override;
  void resolve_tombstone(const BlobTombstone& tombstone, bool object_gone) override;

  void create_session(const std::string& token_hash, SystemTime created_at, SystemTime expires_at,
                      const std::string& user_agent) override;
  std::optional<SystemTime> find_session(const std::string& token_hash) override;
  void touch_session(const std::string& token_hash, SystemTime seen_at) override;
  void delete_session(const std::string& token_hash) override;
  void delete_all_sessions() override;
  int delete_expired_sessions(SystemTime now) override;

  void create_api_key(const ApiKeyRow& row, const std::string& key_hash) override;
  std::vector<ApiKeyRow> list_api_keys() override;
  std::optional<ApiKeyRow> find_api_key_by_hash(const std::string& key_hash) override;
  bool revoke_api_key(const std::string& id, SystemTime at) override;
  void record_api_key_usage(const std::string& id, const ApiKeyUsage& usage, SystemTime at) override;

 private:
  // The clock's time in the SQLite storage form, "YYYY-MM-DD HH:MM:SS" UTC.
  [[nodiscard]] std::string now_sql() const;
  // `column` as "YYYY-MM-DD HH:MM:SS" UTC text, whatever the backend's timestamp type.
  [[nodiscard]] std::string timestamp_text(std::string_view column) const;
  // Inserts one message row inside the caller's transaction on the writer connection.
  StoredMessage insert_row(SqlConnection& c, const NewMessage& message);
  void insert_conversation_if_missing(SqlConnection& c, const std::string& session_id,
                                      const std::string& now);
  void index_message(SqlConnection& c, std::int64_t id, const std::string& role, const std::string& text);
  [[nodiscard]] std::string message_columns() const;
  [[nodiscard]] std::string attachment_columns() const;
  [[nodiscard]] std::string api_key_columns() const;
  ConversationSummary summarize(SqlConnection& c, const SqlRow& row, const std::vector<SearchTerm>& terms,
                                std::optional<std::int64_t> best_message_id);
  [[nodiscard]] std::string conversation_columns() const;
  std::int64_t visible_conversation_count(SqlConnection& c);
  ConversationPage search_conversations_sqlite(const ConversationQuery& query);
  ConversationPage search_conversations_postgres(const ConversationQuery& query);
  std::optional<std::string> first_user_title(SqlConnection& c, const std::string& session_id);
  std::optional<std::string> last_model(SqlConnection& c, const std::string& session_id);

  // A turn's writes (open_turn, insert_message) in one transaction of their own, or, on SQLite, shared with
  // the writes of other turns that arrive meanwhile (store/group_commit.hpp).
  void write_grouped(const std::function<void(SqlConnection&)>& write);

  Kind kind_;
  std::unique_ptr<ConnectionPool> pool_;
  WallClock clock_;
  std::unique_ptr<GroupCommit> group_;  // SQLite only: its single writer connection
  // SQLite only: message id -> conversation for the search's hits, shared by the reader threads.
  std::unique_ptr<MessageSessionCache> hit_sessions_;
};

// Row <-> value conversions shared by the repository files.
SystemTime parse_stored_time(const std::optional<std::string>& text);
// `metadata_keys`: as MessageRange's (null: all metadata).
StoredMessage message_from_row(const SqlRow& row,
                               const std::vector<std::string_view>* metadata_keys = nullptr);

}  // namespace parley::store
