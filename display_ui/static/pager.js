// Pages a list through a box that holds only so many items: the box is measured, never
// scrolled, so a TV shows whole tiles and every item comes round on a steady cycle.
export class Pager {
  // render(item) → element; measure() → how many items fit in the box now; placed(box), if
  // given, adjusts what needs the page's layout once the items are in the box.
  constructor(box, mark, render, measure, placed = null) {
    this.box = box;
    this.mark = mark;
    this.render = render;
    this.measure = measure;
    this.placed = placed;
    this.items = [];
    this.page = 0;
    this.perPage = 1;
    this.shown = [];
  }

  get pages() { return Math.max(1, Math.ceil(this.items.length / this.perPage)); }

  set(items) {
    this.items = items;
    this.draw();
  }

  next() {
    this.page = (this.page + 1) % this.pages;
    this.draw();
  }

  draw() {
    this.perPage = Math.max(1, this.measure());
    if (this.page >= this.pages) this.page = 0;
    const start = this.page * this.perPage;
    this.shown = this.items.slice(start, start + this.perPage);
    this.box.replaceChildren(...this.shown.map(this.render));
    if (this.placed) this.placed(this.box);
    if (this.mark) {
      this.mark.textContent = this.pages > 1 ? (this.page + 1) + "/" + this.pages : "";
    }
  }
}
