// The generated images of one hop (api.md §3.3): image fragments of streamed chunks are stored through a
// GeneratedImageStore and rewritten in the chunk that is forwarded; at the end of the hop the stored
// assistant content is assembled from the text and those images in arrival order, data:image URIs in the text
// stored and replaced by their fragments.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chat/generated_image_store.hpp"

namespace parley::chat {

class HopImages {
 public:
  explicit HopImages(GeneratedImageStore& store) : store_(&store) {}

  // Stores the images of `chunk` and rewrites their fragments in place; true when the chunk changed (it must
  // then be re-serialized). `text_before_chunk`: bytes of the hop's text before this chunk. The same image
  // seen again in the hop (the final `message` repeating a delta) reuses the first result.
  boost::asio::awaitable<bool> rewrite_chunk(boost::json::value* chunk, std::size_t text_before_chunk);

  // The assistant row's content for the hop's `text`: the text itself (null when empty) when no image was
  // produced, else a fragment array of text runs and image fragments in arrival order. Images the store left
  // as they were stay in the text; a remote image that was not stored is kept as a plain image_url fragment.
  boost::asio::awaitable<boost::json::value> stored_content(std::string text);

  // Attachment ids stored so far in this hop, in order.
  [[nodiscard]] const std::vector<std::string>& attachment_ids() const { return attachment_ids_; }

 private:
  boost::asio::awaitable<std::optional<boost::json::object>> store_once(ImageSource source, bool* first);
  boost::asio::awaitable<void> append_text(boost::json::array* out, std::string text);

  struct Placed {
    std::size_t offset = 0;  // in the hop's text
    boost::json::object fragment;
  };
  GeneratedImageStore* store_;
  std::map<std::string, std::optional<boost::json::object>> by_identity_;
  std::vector<Placed> placed_;
  std::vector<std::string> attachment_ids_;
};

}  // namespace parley::chat
