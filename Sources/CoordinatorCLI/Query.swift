import ArgumentParser
import AuditStore
import WireFormats

extension MosesCoordinator {
    /// `moses-coordinator query`: read-only SQL over the audit store.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a read-only SQL query against the audit store.",
            discussion: """
                The database is opened read-only (SQLITE_OPEN_READONLY, PRAGMA query_only) with an \
                authorizer that rejects writes, schema changes, ATTACH, PRAGMA changes and \
                extension loading; it can be queried while the daemon writes (WAL).

                Tables: violations, responses, tool_calls, ledger_entries, state_changes, \
                conversations, counters, ledger. Views: violations_by_rule, \
                violations_by_conversation, recent_activity, stats. Times are ms since the epoch.

                Exit status: 0 on success, 1 when the database cannot be opened or the query \
                fails or is rejected, 64 on bad usage.

                Example:
                  moses-coordinator query --format csv \\
                    "SELECT rule, violations FROM violations_by_rule ORDER BY violations DESC"
                """
        )

        @OptionGroup var store: StoreOptions

        @Option(help: "Output format.")
        var format: QueryOutputFormat = .table

        @Flag(help: "Print the tables and views with their columns instead of running a query.")
        var schema = false

        @Argument(help: "One SQL statement (SELECT, WITH, read-only PRAGMA).")
        var sql: String?

        func validate() throws {
            if schema && sql != nil { throw ValidationError("Give either --schema or a SQL statement, not both.") }
            if !schema && sql == nil { throw ValidationError("Give a SQL statement to run, or --schema.") }
        }

        func run() throws {
            let database = try AuditDatabase.openReader(path: store.db)
            let output = try OutputFile(path: nil)
            if schema {
                try printSchema(of: database, to: output)
            } else if let sql {
                let statement = try database.makeStatement(sql: sql)
                var renderer = QueryRenderer(format: format, columns: (0..<statement.columnCount).map(statement.columnName))
                renderer.begin(output)
                while try statement.step() {
                    renderer.row((0..<statement.columnCount).map(statement.value(at:)), output)
                }
                renderer.end(output)
            }
            try output.finish()
        }

        private func printSchema(of database: Database, to output: OutputFile) throws {
            for object in try AuditDatabase.schemaObjects(in: database) {
                output.write("\(object.type) \(object.name)\n")
                for column in object.columns {
                    output.write(column.type.isEmpty ? "  \(column.name)\n" : "  \(column.name) \(column.type)\n")
                }
            }
        }
    }
}

/// The `--db` option shared by the store's commands.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The audit store's SQLite database.", valueName: "path"))
    var db: String = AuditDatabase.defaultPath
}

/// How `query` prints rows.
enum QueryOutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// Aligned columns for people (buffers the result to size the columns).
    case table
    /// RFC 4180 CSV with a header line.
    case csv
    /// One JSON array of objects.
    case json
    /// One JSON object per line.
    case jsonl
}

/// Renders query rows in a `QueryOutputFormat`, streaming except for `table`.
struct QueryRenderer {
    let format: QueryOutputFormat
    let columns: [String]
    private var tableRows: [[String]] = []
    private var rowCount = 0

    init(format: QueryOutputFormat, columns: [String]) {
        self.format = format
        self.columns = columns
    }

    mutating func begin(_ output: OutputFile) {
        switch format {
        case .csv: output.write(columns.map(Self.csvField).joined(separator: ",") + "\n")
        case .json: output.write("[")
        case .table, .jsonl: break
        }
    }

    mutating func row(_ values: [DatabaseValue], _ output: OutputFile) {
        defer { rowCount += 1 }
        switch format {
        case .table:
            tableRows.append(values.map(Self.plainText))
        case .csv:
            output.write(values.map { Self.csvField(Self.plainText($0)) }.joined(separator: ",") + "\n")
        case .json:
            output.write((rowCount == 0 ? "\n" : ",\n") + jsonObject(values))
        case .jsonl:
            output.write(jsonObject(values) + "\n")
        }
    }

    mutating func end(_ output: OutputFile) {
        switch format {
        case .table:
            var widths = columns.map(\.count)
            for row in tableRows {
                for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
            }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { index, cell in
                    index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
                }.joined(separator: "  ") + "\n"
            }
            output.write(line(columns))
            output.write(line(widths.map { String(repeating: "-", count: $0) }))
            for row in tableRows { output.write(line(row)) }
            output.write("(\(tableRows.count) row\(tableRows.count == 1 ? "" : "s"))\n")
        case .json: output.write(rowCount == 0 ? "]\n" : "\n]\n")
        case .csv, .jsonl: break
        }
    }

    private func jsonObject(_ values: [DatabaseValue]) -> String {
        let members = zip(columns, values).map { column, value in JSONValue.Member(column, Self.json(value)) }
        return JSONValue.object(members).pythonJSONString(.canonical)
    }

    static func json(_ value: DatabaseValue) -> JSONValue {
        switch value {
        case .null: .null
        case .integer(let number): .number(String(number))
        case .real(let number): number.isFinite ? .number(String(number)) : .null
        case .text(let text): .string(text)
        case .blob(let bytes): .string(hex(bytes))
        }
    }

    static func plainText(_ value: DatabaseValue) -> String {
        switch value {
        case .null: ""
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .text(let text): text
        case .blob(let bytes): "x'\(hex(bytes))'"
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + String(text.flatMap { $0 == "\"" ? ["\"", "\""] : [$0] }) + "\""
    }
}
