#include "store/entry_table.h"

namespace basalt::store {

template class ChainedTable<Entry, EntryTableTraits>;

}  // namespace basalt::store
