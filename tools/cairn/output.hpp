#pragma once
// How the CLI prints results: a human table or one JSON document (-o json).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "actors/client/client_types.hpp"
#include "actors/coordinator/cluster_health.hpp"
#include "actors/coordinator/coordinator_protocol.hpp"

namespace cairn::cli {

enum class format { table, json };

nlohmann::json to_json(const entry_info& e);
nlohmann::json to_json(const file_info& f);
nlohmann::json to_json(const cluster_status& s);

void print_entries(format f, const std::string& path, const std::vector<entry_info>& entries,
                   bool long_format);
void print_file(format f, const file_info& info);
void print_status(format f, const cluster_status& s);
void print_health_detail(format f, const std::vector<health_check>& checks);
void print_node_tree(format f, const cluster_status& s);
// A finished transfer or action: `fields` for JSON, `line` for the table form.
void print_result(format f, const nlohmann::json& fields, const std::string& line);

std::string human_bytes(uint64_t bytes);
std::string hex32(uint32_t v);

}  // namespace cairn::cli
