/** A table's column headings, each a header for its column (screen readers announce it per cell). */
export const HeadRow = ({ columns }: { columns: string[] }) => (
  <tr>
    {columns.map((column) => (
      <th scope="col">{column}</th>
    ))}
  </tr>
);
