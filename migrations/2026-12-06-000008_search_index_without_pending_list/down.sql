ALTER INDEX message_search_words_idx RESET (fastupdate);
